function minDistance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? diag : 1 + Math.min(diag, row[j], row[j - 1]);
      diag = row[j];
      row[j] = cost;
    }
  }
  return row[b.length];
}
