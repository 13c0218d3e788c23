function combinationSum(candidates, target) {
  const sorted = [...candidates].sort((a, b) => a - b);
  const out = [];
  const chosen = [];
  const extend = (start, left) => {
    if (left === 0) {
      out.push([...chosen]);
      return;
    }
    for (let i = start; i < sorted.length && sorted[i] <= left; i++) {
      chosen.push(sorted[i]);
      extend(i, left - sorted[i]);
      chosen.pop();
    }
  };
  extend(0, target);
  return out;
}
