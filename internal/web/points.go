package web

import (
	"net/http"

	"estateclub/internal/apperr"
	"estateclub/internal/points"
)

// PointsFilter reads a statement's filters (kind, from, to as China-time
// days, both ends included) shared by the console and the API.
func PointsFilter(r *http.Request) (points.Filter, error) {
	q := r.URL.Query()
	var f points.Filter
	switch k := points.Kind(q.Get("kind")); k {
	case "", points.Upgrade, points.Reward:
		f.Kind = k
	default:
		return f, apperr.Field("kind", "积分类型须为 upgrade 或 reward", "kind must be upgrade or reward")
	}
	var err error
	if f.From, f.To, err = DayRange(q, "from", "to"); err != nil {
		return f, err
	}
	return f, nil
}
