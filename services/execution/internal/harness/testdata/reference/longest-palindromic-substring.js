function longestPalindrome(s) {
  let start = 0;
  let end = 1;
  for (let center = 0; center < 2 * s.length - 1; center++) {
    let lo = Math.floor(center / 2);
    let hi = Math.floor((center + 1) / 2);
    while (lo >= 0 && hi < s.length && s[lo] === s[hi]) {
      lo--;
      hi++;
    }
    if (hi - lo - 1 > end - start) [start, end] = [lo + 1, hi];
  }
  return s.slice(start, end);
}
