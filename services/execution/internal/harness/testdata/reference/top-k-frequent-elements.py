from collections import Counter


def topKFrequent(nums, k):
    buckets = [[] for _ in range(len(nums) + 1)]
    for value, count in Counter(nums).items():
        buckets[count].append(value)
    out = []
    for bucket in reversed(buckets):
        out += bucket
        if len(out) >= k:
            return out[:k]
    return out
