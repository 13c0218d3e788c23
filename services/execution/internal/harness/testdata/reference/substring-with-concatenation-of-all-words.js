function findSubstring(s, words) {
  const w = words[0].length;
  const k = words.length;
  const need = new Map();
  for (const word of words) need.set(word, (need.get(word) || 0) + 1);
  const out = [];
  for (let offset = 0; offset < w; offset++) {
    let left = offset;
    let count = 0;
    let have = new Map();
    for (let right = offset; right + w <= s.length; right += w) {
      const word = s.slice(right, right + w);
      if (!need.has(word)) {
        left = right + w;
        count = 0;
        have = new Map();
        continue;
      }
      have.set(word, (have.get(word) || 0) + 1);
      count++;
      while (have.get(word) > need.get(word)) {
        const drop = s.slice(left, left + w);
        have.set(drop, have.get(drop) - 1);
        left += w;
        count--;
      }
      if (count === k) out.push(left);
    }
  }
  return out.sort((a, b) => a - b);
}
