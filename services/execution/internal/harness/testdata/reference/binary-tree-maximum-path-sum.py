def maxPathSum(root):
    # Post-order without recursion: deep trees must not hit the recursion limit.
    best = root.val
    down = {None: 0}
    stack = [(root, False)]
    while stack:
        node, seen = stack.pop()
        if node is None:
            continue
        if not seen:
            stack += [(node, True), (node.left, False), (node.right, False)]
            continue
        left, right = max(down[node.left], 0), max(down[node.right], 0)
        best = max(best, node.val + left + right)
        down[node] = node.val + max(left, right)
    return best
