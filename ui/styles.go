package ui

import (
	"charm.land/lipgloss/v2"

	"github.com/tiergate/tiergate/policy"
)

// Styles are the app's colours and emphasis. Colour is dropped by the
// renderer under NO_COLOR (bold and reverse stay, so the selection still
// shows); nothing here depends on the terminal.
type Styles struct {
	Title, Header, Dim, Group, Selected, Help, Error, Stale lipgloss.Style
	OK, Below, Unknown                                      lipgloss.Style
	Severity                                                map[policy.Severity]lipgloss.Style
}

// NewStyles builds the default styles.
func NewStyles() Styles {
	s := lipgloss.NewStyle
	return Styles{
		Title:    s().Bold(true).Foreground(lipgloss.Color("#7aa2f7")),
		Header:   s().Bold(true),
		Dim:      s().Foreground(lipgloss.Color("245")),
		Group:    s().Bold(true).Foreground(lipgloss.Color("#bb9af7")),
		Selected: s().Reverse(true),
		Help:     s().Foreground(lipgloss.Color("245")),
		Error:    s().Bold(true).Foreground(lipgloss.Color("#f7768e")),
		Stale:    s().Foreground(lipgloss.Color("#e0af68")),
		OK:       s().Foreground(lipgloss.Color("#9ece6a")),
		Below:    s().Bold(true).Foreground(lipgloss.Color("#f7768e")),
		Unknown:  s().Foreground(lipgloss.Color("#e0af68")),
		Severity: map[policy.Severity]lipgloss.Style{
			policy.Critical: s().Bold(true).Foreground(lipgloss.Color("#f7768e")),
			policy.High:     s().Foreground(lipgloss.Color("#ff9e64")),
			policy.Medium:   s().Foreground(lipgloss.Color("#e0af68")),
			policy.Low:      s().Foreground(lipgloss.Color("245")),
		},
	}
}
