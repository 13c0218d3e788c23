from collections import Counter


def findSubstring(s, words):
    w, k = len(words[0]), len(words)
    need = Counter(words)
    out = []
    for offset in range(w):
        left, have, count = offset, Counter(), 0
        for right in range(offset, len(s) - w + 1, w):
            word = s[right:right + w]
            if word not in need:
                left, have, count = right + w, Counter(), 0
                continue
            have[word] += 1
            count += 1
            while have[word] > need[word]:
                have[s[left:left + w]] -= 1
                left += w
                count -= 1
            if count == k:
                out.append(left)
    return sorted(out)
