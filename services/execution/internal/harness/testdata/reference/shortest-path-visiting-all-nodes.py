from collections import deque


def shortestPathLength(graph):
    n = len(graph)
    full = (1 << n) - 1
    queue = deque((i, 1 << i, 0) for i in range(n))
    seen = {(i, 1 << i) for i in range(n)}
    while queue:
        node, visited, steps = queue.popleft()
        if visited == full:
            return steps
        for nxt in graph[node]:
            state = (nxt, visited | 1 << nxt)
            if state not in seen:
                seen.add(state)
                queue.append((nxt, state[1], steps + 1))
    return 0
