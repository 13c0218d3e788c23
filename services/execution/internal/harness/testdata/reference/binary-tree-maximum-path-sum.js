function maxPathSum(root) {
  // Post-order without recursion: deep trees must not overflow the stack.
  let best = root.val;
  const down = new Map([[null, 0]]);
  const stack = [[root, false]];
  while (stack.length) {
    const [node, seen] = stack.pop();
    if (!node) continue;
    if (!seen) {
      stack.push([node, true], [node.left, false], [node.right, false]);
      continue;
    }
    const left = Math.max(down.get(node.left), 0);
    const right = Math.max(down.get(node.right), 0);
    best = Math.max(best, node.val + left + right);
    down.set(node, node.val + Math.max(left, right));
  }
  return best;
}
