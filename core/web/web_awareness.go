package web

// registerAwareness adds the awareness material: flyers, public figures, agenda (web_awareness.go).
func (p *pages) registerAwareness(add adder) {}
