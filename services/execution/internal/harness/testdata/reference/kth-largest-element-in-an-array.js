function findKthLargest(nums, k) {
  // Quickselect on a copy, three-way partition so repeated values stay fast.
  let a = [...nums];
  let want = k - 1; // index in descending order
  for (;;) {
    const pivot = a[Math.floor(a.length / 2)];
    const bigger = a.filter((x) => x > pivot);
    const equal = a.length - bigger.length - a.filter((x) => x < pivot).length;
    if (want < bigger.length) a = bigger;
    else if (want < bigger.length + equal) return pivot;
    else {
      want -= bigger.length + equal;
      a = a.filter((x) => x < pivot);
    }
  }
}
