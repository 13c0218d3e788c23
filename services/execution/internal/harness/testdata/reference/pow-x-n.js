function myPow(x, n) {
  let e = BigInt(n);
  if (e < 0n) {
    x = 1 / x;
    e = -e;
  }
  let result = 1;
  while (e > 0n) {
    if (e & 1n) result *= x;
    x *= x;
    e >>= 1n;
  }
  return result;
}
