package api

// requestReport is the monthly request report (诉求月报) of ?month= and
// ?node= within the caller's request scope.
func (s *handler) requestReport(r *request[none]) (any, error) {
	rep, _, err := s.BuildRequestReport(r.Request)
	return rep, err
}
