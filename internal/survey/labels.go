package survey

var labels = map[string][2]string{
	string(General): {"一般问卷", "General"}, string(Request): {"诉求满意度", "Request satisfaction"},
	string(Event): {"活动满意度", "Event satisfaction"}, string(Merchant): {"联盟商家", "Partner merchants"},
	string(Draft): {"草稿", "Draft"}, string(Open): {"进行中", "Open"}, string(Closed): {"已结束", "Closed"},
	"k:" + string(Single): {"单选", "Single choice"}, "k:" + string(Multi): {"多选", "Multiple choice"},
	"k:" + string(Rating): {"评分（1–5）", "Rating (1–5)"}, "k:" + string(NPS): {"推荐度（0–10）", "Recommendation (0–10)"},
	"k:" + string(Text): {"文字", "Text"},
}

func label(key, lang string) string {
	l, ok := labels[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// Label is the purpose in lang ("en", otherwise Chinese).
func (p Purpose) Label(lang string) string { return label(string(p), lang) }

// Label is the status in lang.
func (s Status) Label(lang string) string { return label(string(s), lang) }

// Label is the kind of question in lang.
func (k Kind) Label(lang string) string { return label("k:"+string(k), lang) }
