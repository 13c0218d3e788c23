function minWindow(s, t) {
  const need = new Map();
  for (const c of t) need.set(c, (need.get(c) || 0) + 1);
  let missing = t.length;
  let best = [0, 0];
  let left = 0;
  for (let right = 0; right < s.length; right++) {
    const c = s[right];
    if ((need.get(c) || 0) > 0) missing--;
    need.set(c, (need.get(c) || 0) - 1);
    if (missing === 0) {
      while (need.get(s[left]) < 0) {
        need.set(s[left], need.get(s[left]) + 1);
        left++;
      }
      if (best[1] === 0 || right + 1 - left < best[1] - best[0]) best = [left, right + 1];
      need.set(s[left], need.get(s[left]) + 1);
      missing++;
      left++;
    }
  }
  return s.slice(best[0], best[1]);
}
