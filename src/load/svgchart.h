/* svgchart.h - line charts as inline SVG, for reports that must open without the network.
 *
 * A chart maps a data rectangle [x_lo, x_hi] x [y_lo, y_hi] onto a plot area inside fixed
 * margins, draws the axes with the ticks it is given, one polyline per series and a legend
 * above the plot. Axes that are not linear (the percentile axis of a latency chart, a log
 * latency axis) are the caller's business: it passes transformed values and ticks labelled as
 * it likes (svgchart_log_ticks helps).
 *
 * The chart scales to its container: a viewBox of width x height units, drawn at width 100%
 * and the height its aspect ratio gives. Series are told apart without colour too: each has a
 * dash pattern, a stroke width and a marker shape, shown in the legend. Points flagged partial
 * (a second the test covered only in part) are drawn apart: a dotted segment and a hollow
 * marker.
 *
 * For tests and assistive technology: the <svg> has the caller's id, class "chart" and an
 * aria-label (the title); each series is a <g class="series" data-series="ID"> with an
 * aria-label (its name); the plot area is a rect of class "plot" filled with SVGCHART_PLOT_BG.
 *
 * Output goes straight to a FILE; nothing is allocated. Text is escaped for XML.
 */
#ifndef CPSBATCH_SVGCHART_H
#define CPSBATCH_SVGCHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SVGCHART_PLOT_BG "#fbfbfe"

struct svgchart_tick {
    double at;
    char label[24];
};

enum svgchart_marker {
    SVGCHART_NO_MARKER,
    SVGCHART_CIRCLE,
    SVGCHART_SQUARE,
    SVGCHART_TRIANGLE,
    SVGCHART_DIAMOND
};

/* How a series looks. */
struct svgchart_series {
    const char *id;    /* data-series: [a-z0-9-] */
    const char *name;  /* the legend's text */
    const char *color; /* a CSS colour */
    const char *dash;  /* stroke-dasharray ("6 3"), or NULL for a solid line */
    double width;      /* stroke width; 0 means 2 */
    enum svgchart_marker marker;
};

struct svgchart {
    FILE *out;
    int width, height;
    double x_lo, x_hi, y_lo, y_hi;
    int series;      /* series drawn so far (staggers their markers) */
    double legend_x; /* where the next legend entry goes */
};

/* Start a chart of width x height units showing the given data ranges (hi > lo). id: the
 * <svg>'s id. */
void svgchart_begin(struct svgchart *c, FILE *out, const char *id, int width, int height,
                    double x_lo, double x_hi, double y_lo, double y_hi, const char *title);

/* Axes with grid lines at the ticks, and their names. */
void svgchart_axes(struct svgchart *c, const struct svgchart_tick *xt, size_t nx,
                   const struct svgchart_tick *yt, size_t ny, const char *x_name,
                   const char *y_name);

/* One series of n points (n may be 0), with a legend entry. partial: n flags, or NULL when no
 * point is partial. Markers go on every point when there are few, on every k-th otherwise
 * (staggered between series, so equal series show both shapes). */
void svgchart_line(struct svgchart *c, const struct svgchart_series *s, const double *x,
                   const double *y, const bool *partial, size_t n);

/* A centred note in the plot area ("no data"). */
void svgchart_note(struct svgchart *c, const char *text);

void svgchart_end(struct svgchart *c);

/* Up to max ticks at "nice" steps (1, 2 or 5 times a power of ten) from lo to at least hi,
 * about `want` of them, labelled with as many decimals as the step needs and then unit ("ms",
 * or ""). Returns how many; sets *top to the last tick, a good upper end for the axis. */
size_t svgchart_nice_ticks(double lo, double hi, size_t want, const char *unit,
                           struct svgchart_tick *out, size_t max, double *top);

/* Ticks for a log axis whose positions are log10 of the values: at 1, 2 and 5 times each power
 * of ten (only the powers when the range spans more than 3 decades) from below lo to above hi
 * (lo, hi > 0, values, not logs), labelled with the value and unit. Returns how many (at most
 * max); sets *bottom and *top to the log10 of the first and last tick. */
size_t svgchart_log_ticks(double lo, double hi, const char *unit, struct svgchart_tick *out,
                          size_t max, double *bottom, double *top);

/* Write text escaped for XML and HTML (& < > " '). */
void svgchart_escape(FILE *out, const char *text);

#endif
