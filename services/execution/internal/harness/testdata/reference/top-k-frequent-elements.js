function topKFrequent(nums, k) {
  const counts = new Map();
  for (const x of nums) counts.set(x, (counts.get(x) || 0) + 1);
  const buckets = Array.from({ length: nums.length + 1 }, () => []);
  for (const [value, count] of counts) buckets[count].push(value);
  const out = [];
  for (let c = nums.length; c >= 0 && out.length < k; c--) out.push(...buckets[c]);
  return out.slice(0, k);
}
