function sortedSquares(nums) {
  const out = new Array(nums.length);
  let lo = 0;
  let hi = nums.length - 1;
  for (let i = nums.length - 1; i >= 0; i--) {
    if (Math.abs(nums[lo]) > Math.abs(nums[hi])) out[i] = nums[lo] * nums[lo++];
    else out[i] = nums[hi] * nums[hi--];
  }
  return out;
}
