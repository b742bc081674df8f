package survey

import (
	"context"

	"estateclub/internal/db"
	"estateclub/internal/request"
)

// RateRequests puts the built-in satisfaction survey (满意度 1–5 and a
// comment) behind request resolution: a resolved request invites its member
// (in the portal, and by an SMS link if text and they consented), and an
// answer's rating lands on the request in the answer's transaction, where
// 1–2 flags it for the supervisors.
func (s *Service) RateRequests(reqs *request.Service, text bool) {
	reqs.PrepareSurvey = func(ctx context.Context) error {
		_, err := s.System(ctx, "request")
		return err
	}
	reqs.SurveyInvite = func(ctx context.Context, tx *db.Tx, memberID, requestID int64) error {
		sv, err := s.System(ctx, "request")
		if err != nil {
			return err
		}
		_, err = s.Invite(ctx, tx, InviteInput{SurveyID: sv.ID, MemberID: memberID, Subject: "request", SubjectID: requestID, Text: text})
		return err
	}
	s.OnAnswer("request", func(ctx context.Context, tx *db.Tx, inv Invite, answers []Answer) error {
		for _, a := range answers {
			if a.Value != nil {
				return reqs.Rate(ctx, tx, inv.SubjectID, *a.Value)
			}
		}
		return nil // the rating is required: an answer always has one
	})
}
