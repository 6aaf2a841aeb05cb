package snapshot

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"

	"planapi/models"
)

// Regions is an in-memory snapshot of the region tree. Regions change only when demo or
// generated data is loaded, so the server keeps one snapshot and reloads it after a change.
type Regions struct {
	byCode   map[string]*models.Region
	children map[string][]*models.Region
	all      []*models.Region
}

// LoadRegions reads the whole region tree.
func LoadRegions(ctx context.Context, db *gorm.DB) (*Regions, error) {
	var all []*models.Region
	if err := db.WithContext(ctx).Order("path").Find(&all).Error; err != nil {
		return nil, fmt.Errorf("load regions: %w", err)
	}
	return NewRegions(all), nil
}

// NewRegions indexes a list of regions.
func NewRegions(all []*models.Region) *Regions {
	r := &Regions{byCode: map[string]*models.Region{}, children: map[string][]*models.Region{}, all: all}
	for _, x := range all {
		r.byCode[x.Code] = x
		if x.ParentCode != nil {
			r.children[*x.ParentCode] = append(r.children[*x.ParentCode], x)
		}
	}
	for _, kids := range r.children {
		sort.Slice(kids, func(i, j int) bool { return kids[i].Code < kids[j].Code })
	}
	return r
}

// Get returns the region with the code, or nil.
func (r *Regions) Get(code string) *models.Region { return r.byCode[code] }

// All lists every region in path order (parents before children).
func (r *Regions) All() []*models.Region { return r.all }

// Children lists a region's direct children by code.
func (r *Regions) Children(code string) []*models.Region { return r.children[code] }

// Parent returns a region's parent, or nil at the root.
func (r *Regions) Parent(code string) *models.Region {
	x := r.byCode[code]
	if x == nil || x.ParentCode == nil {
		return nil
	}
	return r.byCode[*x.ParentCode]
}

// Within reports whether code is ancestor or lies below it.
func (r *Regions) Within(code, ancestor string) bool {
	x, a := r.byCode[code], r.byCode[ancestor]
	return x != nil && a != nil && strings.HasPrefix(x.Path, a.Path)
}

// Subtree lists ancestor and every region below it, in path order.
func (r *Regions) Subtree(ancestor string) []*models.Region {
	a := r.byCode[ancestor]
	if a == nil {
		return nil
	}
	i := sort.Search(len(r.all), func(i int) bool { return r.all[i].Path >= a.Path })
	var out []*models.Region
	for ; i < len(r.all) && strings.HasPrefix(r.all[i].Path, a.Path); i++ {
		out = append(out, r.all[i])
	}
	return out
}

// Ancestors lists the regions above code, nearest first.
func (r *Regions) Ancestors(code string) []*models.Region {
	var out []*models.Region
	for p := r.Parent(code); p != nil; p = r.Parent(p.Code) {
		out = append(out, p)
	}
	return out
}
