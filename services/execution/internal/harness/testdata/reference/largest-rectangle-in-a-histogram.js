function largestRectangleArea(heights) {
  const stack = [];
  let best = 0;
  for (let i = 0; i <= heights.length; i++) {
    const h = i < heights.length ? heights[i] : 0;
    let start = i;
    while (stack.length && stack[stack.length - 1][1] >= h) {
      const [s, top] = stack.pop();
      best = Math.max(best, top * (i - s));
      start = s;
    }
    stack.push([start, h]);
  }
  return best;
}
