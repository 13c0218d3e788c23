function trap(heights) {
  let lo = 0;
  let hi = heights.length - 1;
  let leftMax = 0;
  let rightMax = 0;
  let water = 0;
  while (lo < hi) {
    if (heights[lo] < heights[hi]) {
      leftMax = Math.max(leftMax, heights[lo]);
      water += leftMax - heights[lo++];
    } else {
      rightMax = Math.max(rightMax, heights[hi]);
      water += rightMax - heights[hi--];
    }
  }
  return water;
}
