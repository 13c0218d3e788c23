function letterCasePermutation(s) {
  let out = [""];
  for (const c of s) {
    if (/[a-z]/i.test(c)) out = out.flatMap((p) => [p + c.toLowerCase(), p + c.toUpperCase()]);
    else out = out.map((p) => p + c);
  }
  return out;
}
