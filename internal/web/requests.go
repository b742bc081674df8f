package web

import (
	"net/http"
	"strconv"
)

// WriteRequestPhoto answers with the photo {photo} of a request the caller
// may see, never cached by a shared cache.
func (s *Server) WriteRequestPhoto(w http.ResponseWriter, r *http.Request, requestID int64) {
	pid, err := strconv.ParseInt(r.PathValue("photo"), 10, 64)
	if err != nil {
		s.Fail(w, r, NotFoundErr)
		return
	}
	_, ctype, data, err := s.Requests.Photo(r.Context(), requestID, pid)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}
