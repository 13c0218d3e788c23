function ladderLength(beginWord, endWord, wordList) {
  const words = new Set(wordList);
  if (!words.has(endWord)) return 0;
  words.delete(beginWord);
  let level = [beginWord];
  let steps = 1;
  while (level.length) {
    if (level.includes(endWord)) return steps;
    const following = [];
    for (const w of level) {
      for (let i = 0; i < w.length; i++) {
        for (let c = 97; c < 123; c++) {
          const v = w.slice(0, i) + String.fromCharCode(c) + w.slice(i + 1);
          if (words.has(v)) {
            words.delete(v);
            following.push(v);
          }
        }
      }
    }
    level = following;
    steps++;
  }
  return 0;
}
