// Package internalapi is the code form of docs/internal-apis.md: the
// values PeerPrep services share (languages, difficulties, topic slugs,
// service names and path prefixes), a typed client for every internal
// route, and a TTL cache for other services' answers. Its fake package
// serves every route from memory, and its contract package checks a
// service (or the fake) against the contract.
package internalapi

import "slices"

// Service discovery names.
const (
	UserService          = "user-service"
	QuestionService      = "question-service"
	HistoryService       = "history-service"
	CollaborationService = "collaboration-service"
)

// Path prefixes of each service's API.
const (
	UserPrefix          = "/user-service-api"
	QuestionPrefix      = "/question-service-api"
	HistoryPrefix       = "/history-service-api"
	CollaborationPrefix = "/collaboration-service-api"
)

// Languages are the languages a session may be written in, in display order.
var Languages = []string{"python", "javascript", "java", "cpp", "go"}

// DefaultLanguage is the language a session without one starts in.
const DefaultLanguage = "python"

// IsLanguage reports whether s is one of Languages.
func IsLanguage(s string) bool { return slices.Contains(Languages, s) }

// Difficulties are the question difficulties, easiest first.
var Difficulties = []string{"easy", "medium", "hard"}

// IsDifficulty reports whether s is one of Difficulties.
func IsDifficulty(s string) bool { return slices.Contains(Difficulties, s) }

// Topics are the topic slugs question-service knows, in display order.
var Topics = []string{"arrays", "strings", "hash-tables", "two-pointers", "sliding-window", "linked-lists",
	"stacks-queues", "trees", "graphs", "heaps", "binary-search", "dynamic-programming", "greedy",
	"backtracking", "bit-manipulation", "math"}

// Session modes and interview roles.
const (
	ModePractise = "practise"
	ModeMock     = "mock"

	RoleInterviewer = "interviewer"
	RoleCandidate   = "candidate"
)

// Session statuses.
const (
	StatusActive = "active"
	StatusEnded  = "ended"
)
