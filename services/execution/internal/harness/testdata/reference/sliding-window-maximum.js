function maxSlidingWindow(nums, k) {
  const window = []; // indices, values decreasing; head at `head`
  let head = 0;
  const out = [];
  for (let i = 0; i < nums.length; i++) {
    while (window.length > head && nums[window[window.length - 1]] <= nums[i]) window.pop();
    window.push(i);
    if (window[head] <= i - k) head++;
    if (i >= k - 1) out.push(nums[window[head]]);
  }
  return out;
}
