-- The current epoch, made if Redis has none.
return epoch(now_ms())
