package setup

import "crypto/sha256"

// ChooseInterviewer picks who starts as the interviewer of mock interview
// m: the one user who asked to, else (both or neither asked) one of the two
// drawn from the match id. The draw is a pure function of the match, so a
// retried or reclaimed setup of the same match picks the same person.
func ChooseInterviewer(m Match) string {
	switch {
	case m.WantsInterviewer[0] && !m.WantsInterviewer[1]:
		return m.UserIDs[0]
	case m.WantsInterviewer[1] && !m.WantsInterviewer[0]:
		return m.UserIDs[1]
	}
	sum := sha256.Sum256([]byte("interviewer:" + m.ID))
	return m.UserIDs[sum[0]&1]
}
