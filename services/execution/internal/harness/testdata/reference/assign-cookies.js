function findContentChildren(greed, sizes) {
  const g = [...greed].sort((a, b) => a - b);
  const s = [...sizes].sort((a, b) => a - b);
  let child = 0;
  for (const size of s) if (child < g.length && size >= g[child]) child++;
  return child;
}
