// Package counter is the merchant counter (商户核验): the pages a partner
// merchant's staff use to check a member's card. Its route table is
// routes.go; the next merchant pages land here.
package counter

import (
	"estateclub/internal/auth"
	"estateclub/internal/web"
)

// Routes is the counter's route table: every URL with the permission that guards it.
func Routes(s *web.Server) []web.Route {
	h := &handler{s}
	t := web.NewTable(web.Counter)
	t.Add("GET /cards/verify", auth.MerchantVerify, h.cardCheckPage)
	t.Add("POST /cards/verify", auth.MerchantVerify, h.cardCheckSubmit)
	return t.Routes()
}

// handler serves the counter's routes with the server's services.
type handler struct{ *web.Server }
