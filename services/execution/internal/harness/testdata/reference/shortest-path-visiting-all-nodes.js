function shortestPathLength(graph) {
  const n = graph.length;
  const full = (1 << n) - 1;
  const seen = Array.from({ length: n }, () => new Uint8Array(1 << n));
  let queue = [];
  for (let i = 0; i < n; i++) {
    queue.push([i, 1 << i]);
    seen[i][1 << i] = 1;
  }
  for (let steps = 0; queue.length; steps++) {
    const next = [];
    for (const [node, visited] of queue) {
      if (visited === full) return steps;
      for (const to of graph[node]) {
        const state = visited | (1 << to);
        if (!seen[to][state]) {
          seen[to][state] = 1;
          next.push([to, state]);
        }
      }
    }
    queue = next;
  }
  return 0;
}
