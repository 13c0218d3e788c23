function maxDepth(root) {
  let depth = 0;
  let level = root ? [root] : [];
  while (level.length) {
    depth++;
    level = level.flatMap((n) => [n.left, n.right]).filter(Boolean);
  }
  return depth;
}
