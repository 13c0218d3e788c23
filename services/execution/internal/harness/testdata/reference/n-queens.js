function solveNQueens(n) {
  const out = [];
  const cols = [];
  const used = new Set();
  const diag = new Set();
  const anti = new Set();
  const place = (row) => {
    if (row === n) {
      out.push(cols.map((c) => ".".repeat(c) + "Q" + ".".repeat(n - c - 1)));
      return;
    }
    for (let c = 0; c < n; c++) {
      if (used.has(c) || diag.has(row - c) || anti.has(row + c)) continue;
      cols.push(c);
      used.add(c);
      diag.add(row - c);
      anti.add(row + c);
      place(row + 1);
      cols.pop();
      used.delete(c);
      diag.delete(row - c);
      anti.delete(row + c);
    }
  };
  place(0);
  return out;
}
