function threeSum(nums) {
  const a = [...nums].sort((x, y) => x - y);
  const out = [];
  for (let i = 0; i < a.length - 2; i++) {
    if (i > 0 && a[i] === a[i - 1]) continue;
    let lo = i + 1;
    let hi = a.length - 1;
    while (lo < hi) {
      const total = a[i] + a[lo] + a[hi];
      if (total < 0) lo++;
      else if (total > 0) hi--;
      else {
        out.push([a[i], a[lo], a[hi]]);
        lo++;
        while (lo < hi && a[lo] === a[lo - 1]) lo++;
      }
    }
  }
  return out;
}
