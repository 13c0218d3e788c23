function largestIsland(grid, scale) {
  const seen = new Set(), out = [];
  const key = (r, c) => r * 1000 + c;
  for (let r = 0; r < grid.length; r++) {
    for (let c = 0; c < grid[0].length; c++) {
      if (grid[r][c] !== "1" || seen.has(key(r, c))) continue;
      const stack = [[r, c]];
      seen.add(key(r, c));
      let size = 0;
      while (stack.length) {
        const [y, x] = stack.pop();
        size++;
        for (const [ny, nx] of [[y + 1, x], [y - 1, x], [y, x + 1], [y, x - 1]]) {
          if (ny >= 0 && ny < grid.length && nx >= 0 && nx < grid[0].length && grid[ny][nx] === "1" && !seen.has(key(ny, nx))) {
            seen.add(key(ny, nx));
            stack.push([ny, nx]);
          }
        }
      }
      out.push(size * scale);
    }
  }
  return Math.max(0, ...out);
}
