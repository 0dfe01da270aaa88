package web

// registerSimulator adds the economic-model simulator pages (web_simulator.go).
func (p *pages) registerSimulator(add adder) {}
