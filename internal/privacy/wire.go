package privacy

import (
	"estateclub/internal/db"
	"estateclub/internal/filestore"
	"estateclub/internal/pii"
	"estateclub/internal/request"
)

// Wire makes the privacy service the request workflow's PIPL requests go
// through (reqs.Privacy), with the requests' messages and files as two of its areas:
// the one wiring of the server and the demo. The other areas that hold a
// member's data (surveys, events) come after, in more.
func Wire(d *db.DB, keys *pii.Keys, files *filestore.Store, reqs *request.Service, more ...Area) *Service {
	s := &Service{DB: d, Keys: keys, Files: files, Areas: append([]Area{request.Messages{S: reqs}, request.Files{S: reqs}}, more...)}
	reqs.Privacy = s
	return s
}
