package referential

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
)

// EarthRadiusKm is the mean Earth radius (IUGG R1) used by DistanceKm.
const EarthRadiusKm = 6371.0088

const degToRad = math.Pi / 180

// DistanceKm returns the great-circle distance in kilometres between two
// points given in degrees, by the haversine formula on a sphere of radius
// EarthRadiusKm.
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	phi1, phi2 := lat1*degToRad, lat2*degToRad
	return haversine(phi1, lon1*degToRad, math.Cos(phi1), phi2, lon2*degToRad, math.Cos(phi2))
}

// haversine is DistanceKm on coordinates in radians with their latitudes'
// cosines precomputed.
func haversine(phi1, lambda1, cos1, phi2, lambda2, cos2 float64) float64 {
	sinDPhi := math.Sin((phi2 - phi1) / 2)
	sinDLambda := math.Sin((lambda2 - lambda1) / 2)
	a := sinDPhi*sinDPhi + cos1*cos2*sinDLambda*sinDLambda
	return 2 * EarthRadiusKm * math.Asin(math.Sqrt(min(a, 1)))
}

// Distance returns the great-circle distance in kilometres between the
// centres of the communes with INSEE codes inseeA and inseeB. The error
// wraps ErrUnknownCommune or ErrNoCentre.
func (r *Referential) Distance(inseeA, inseeB string) (km float64, err error) {
	a, err := r.centre(inseeA)
	if err != nil {
		return 0, fmt.Errorf("referential: distance: %w", err)
	}
	b, err := r.centre(inseeB)
	if err != nil {
		return 0, fmt.Errorf("referential: distance: %w", err)
	}
	return DistanceKm(a.Lat, a.Lon, b.Lat, b.Lon), nil
}

// centre returns the commune insee when its centre is known.
func (r *Referential) centre(insee string) (*Commune, error) {
	c, ok := r.byINSEE[insee]
	if !ok {
		return nil, fmt.Errorf("commune %q: %w", insee, ErrUnknownCommune)
	}
	if !c.HasCentre {
		return nil, fmt.Errorf("commune %q (%s): %w", insee, c.Name, ErrNoCentre)
	}
	return c, nil
}

// Within returns the communes whose centre lies at most km kilometres from
// the centre of the commune insee, nearest first (then by INSEE code),
// including the commune itself at 0 km. The error wraps ErrUnknownCommune,
// ErrNoCentre or ErrInvalidRadius.
func (r *Referential) Within(insee string, km float64) ([]Nearby, error) {
	if !(km >= 0) {
		return nil, fmt.Errorf("referential: communes within %v km of %q: %w", km, insee, ErrInvalidRadius)
	}
	c, err := r.centre(insee)
	if err != nil {
		return nil, fmt.Errorf("referential: communes within %v km: %w", km, err)
	}
	return r.WithinPoint(c.Lat, c.Lon, km), nil
}

// WithinPoint returns the communes whose centre lies at most km kilometres
// from the point (lat, lon) in WGS 84 degrees, nearest first (then by
// INSEE code). Communes without a known centre are never found. It returns
// nil when the point is out of range, or km is negative or not a number.
func (r *Referential) WithinPoint(lat, lon, km float64) []Nearby {
	if !validLatLon(lat, lon) || !(km >= 0) {
		return nil
	}
	var out []Nearby
	r.grid.visit(lat, lon, km, func(ent int32, d float64) {
		out = append(out, Nearby{Commune: &r.communes[ent], DistanceKm: d})
	})
	slices.SortFunc(out, func(a, b Nearby) int {
		if c := cmp.Compare(a.DistanceKm, b.DistanceKm); c != 0 {
			return c
		}
		return cmp.Compare(a.Commune.INSEE, b.Commune.INSEE)
	})
	return out
}

// The grid divides the globe in cells of cellDeg degrees of latitude and
// longitude; a proximity query reads only the cells that may hold a point
// within its radius.
const (
	cellDeg  = 0.1
	cellRows = 1800 // 180 / cellDeg
	cellCols = 3600 // 360 / cellDeg
)

// grid holds the communes that have a centre, sorted by cell, so that the
// communes of consecutive cells of one row are consecutive.
type grid struct {
	cells []int32 // cell of each entry: row*cellCols + col, ascending
	ents  []int32 // commune index of each entry
	pts   []point // centre of each entry
}

// point is a centre in radians with the cosine of its latitude.
type point struct{ phi, lambda, cosPhi float64 }

func cellRow(lat float64) int {
	return min(max(int(math.Floor((lat+90)/cellDeg)), 0), cellRows-1)
}

func cellCol(lon float64) int {
	return min(max(int(math.Floor((lon+180)/cellDeg)), 0), cellCols-1)
}

func buildGrid(communes []Commune) grid {
	// Sort cell and commune index packed in one integer: faster than a
	// comparison function.
	packed := make([]uint64, 0, len(communes))
	for i := range communes {
		c := &communes[i]
		if c.HasCentre {
			cell := uint64(cellRow(c.Lat)*cellCols + cellCol(c.Lon))
			packed = append(packed, cell<<32|uint64(i))
		}
	}
	slices.Sort(packed)
	g := grid{
		cells: make([]int32, len(packed)),
		ents:  make([]int32, len(packed)),
		pts:   make([]point, len(packed)),
	}
	for i, p := range packed {
		ent := int32(p & math.MaxUint32)
		c := &communes[ent]
		phi := c.Lat * degToRad
		g.cells[i], g.ents[i] = int32(p>>32), ent
		g.pts[i] = point{phi: phi, lambda: c.Lon * degToRad, cosPhi: math.Cos(phi)}
	}
	return g
}

// visit calls fn for every entry at most km from (lat, lon), with its
// distance. It reads the cells of the bounding box of the circle, computed
// as by Matuschek ("Finding points within a distance of a
// latitude/longitude using bounding coordinates"), with a small margin.
func (g *grid) visit(lat, lon, km float64, fn func(ent int32, d float64)) {
	const margin = 1e-6 // degrees, against rounding at cell borders
	delta := km / EarthRadiusKm
	phi := lat * degToRad
	q := point{phi: phi, lambda: lon * degToRad, cosPhi: math.Cos(phi)}

	latMin, latMax := lat-delta/degToRad-margin, lat+delta/degToRad+margin
	fullLon := delta >= math.Pi || latMin <= -90 || latMax >= 90
	var dLon float64
	if !fullLon {
		s := math.Sin(delta) / q.cosPhi
		if s >= 1 {
			fullLon = true
		} else {
			dLon = math.Asin(s)/degToRad + margin
		}
	}
	// Longitude ranges in [-180, 180], split at the antimeridian.
	var ranges [2][2]float64
	n := 0
	switch {
	case fullLon || dLon >= 180:
		ranges[0], n = [2]float64{-180, 180}, 1
	case lon-dLon < -180:
		ranges[0], ranges[1], n = [2]float64{lon - dLon + 360, 180}, [2]float64{-180, lon + dLon}, 2
	case lon+dLon > 180:
		ranges[0], ranges[1], n = [2]float64{lon - dLon, 180}, [2]float64{-180, lon + dLon - 360}, 2
	default:
		ranges[0], n = [2]float64{lon - dLon, lon + dLon}, 1
	}

	latMin, latMax = max(latMin, -90), min(latMax, 90) // also tames infinite radii
	for row := cellRow(latMin); row <= cellRow(latMax); row++ {
		for _, rg := range ranges[:n] {
			first := int32(row*cellCols + cellCol(rg[0]))
			last := int32(row*cellCols + cellCol(rg[1]))
			i := sort.Search(len(g.cells), func(i int) bool { return g.cells[i] >= first })
			for ; i < len(g.cells) && g.cells[i] <= last; i++ {
				p := &g.pts[i]
				if d := haversine(q.phi, q.lambda, q.cosPhi, p.phi, p.lambda, p.cosPhi); d <= km {
					fn(g.ents[i], d)
				}
			}
		}
	}
}
