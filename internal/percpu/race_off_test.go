//go:build !race

package percpu

const raceOn = false
