function addTwoNumbers(l1, l2) {
  const head = new ListNode();
  let tail = head, carry = 0;
  while (l1 || l2 || carry) {
    const s = carry + (l1?.val ?? 0) + (l2?.val ?? 0);
    carry = Math.floor(s / 10);
    tail = tail.next = new ListNode(s % 10);
    l1 = l1?.next;
    l2 = l2?.next;
  }
  return head.next;
}
