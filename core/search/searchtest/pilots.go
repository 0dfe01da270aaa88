package searchtest

import "github.com/campagnon/campagnon/core/search/corpus"

// The pilot territories' slugs, as the fixture names them.
const (
	PicardieVerte   = corpus.PicardieVerte
	PortesDeSologne = corpus.PortesDeSologne
)
