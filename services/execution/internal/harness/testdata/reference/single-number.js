function singleNumber(nums) {
  return nums.reduce((x, v) => x ^ v, 0);
}
