package standin

import "net/http"

// question answers GET /questions/{id} for the stand-in's questions (by id).
func (s *Services) question(w http.ResponseWriter, r *http.Request) {
	q, ok := s.questions[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no such question")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": q.ID, "slug": "q-" + q.ID[:8], "title": "Question " + q.ID[:8],
		"difficulty": q.Difficulty, "topics": []string{q.Topic}, "description": "…"})
}
