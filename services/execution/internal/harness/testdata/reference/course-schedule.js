function canFinish(numCourses, prerequisites) {
  const after = Array.from({ length: numCourses }, () => []);
  const waiting = new Array(numCourses).fill(0);
  for (const [a, b] of prerequisites) {
    after[b].push(a);
    waiting[a]++;
  }
  const ready = [];
  for (let c = 0; c < numCourses; c++) if (waiting[c] === 0) ready.push(c);
  let done = 0;
  while (ready.length) {
    const c = ready.pop();
    done++;
    for (const a of after[c]) if (--waiting[a] === 0) ready.push(a);
  }
  return done === numCourses;
}
