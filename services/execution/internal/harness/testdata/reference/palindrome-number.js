function isPalindromeNumber(x) {
  if (x < 0 || (x % 10 === 0 && x !== 0)) return false;
  let back = 0;
  while (x > back) {
    back = back * 10 + (x % 10);
    x = Math.floor(x / 10);
  }
  return x === back || x === Math.floor(back / 10);
}
