function isMatch(s, p) {
  // match[i][j]: s from i matches p from j
  const match = Array.from({ length: s.length + 1 }, () => new Array(p.length + 1).fill(false));
  match[s.length][p.length] = true;
  for (let i = s.length; i >= 0; i--) {
    for (let j = p.length - 1; j >= 0; j--) {
      const first = i < s.length && (p[j] === s[i] || p[j] === ".");
      if (j + 1 < p.length && p[j + 1] === "*") {
        match[i][j] = match[i][j + 2] || (first && match[i + 1][j]);
      } else {
        match[i][j] = first && match[i + 1][j + 1];
      }
    }
  }
  return match[0][0];
}
