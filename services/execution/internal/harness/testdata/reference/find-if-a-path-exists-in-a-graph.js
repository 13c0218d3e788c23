function validPath(n, edges, source, destination) {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (x) => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (const [u, v] of edges) parent[find(u)] = find(v);
  return find(source) === find(destination);
}
