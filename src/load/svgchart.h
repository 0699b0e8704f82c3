/* svgchart.h - line charts as inline SVG, for reports that must open without the network.
 *
 * A chart maps a data rectangle [x_lo, x_hi] x [y_lo, y_hi] onto a plot area inside fixed
 * margins, draws the axes with the ticks it is given, one polyline (with point markers when
 * there are few points) per series, and a legend. Axes that are not linear (the percentile
 * axis of a latency chart) are the caller's business: it passes transformed x values and
 * ticks labelled as it likes.
 *
 * Output goes straight to a FILE; nothing is allocated. Text is escaped for XML.
 */
#ifndef CPSBATCH_SVGCHART_H
#define CPSBATCH_SVGCHART_H

#include <stddef.h>
#include <stdio.h>

struct svgchart_tick {
    double at;
    char label[24];
};

struct svgchart {
    FILE *out;
    int width, height;
    double x_lo, x_hi, y_lo, y_hi;
    int series; /* series drawn so far (for the legend's place) */
};

/* Start a chart of width x height pixels showing the given data ranges (hi > lo). */
void svgchart_begin(struct svgchart *c, FILE *out, int width, int height, double x_lo, double x_hi,
                    double y_lo, double y_hi, const char *title);

/* Axes with grid lines at the ticks, and their names. */
void svgchart_axes(struct svgchart *c, const struct svgchart_tick *xt, size_t nx,
                   const struct svgchart_tick *yt, size_t ny, const char *x_name,
                   const char *y_name);

/* One series as a polyline in color (a CSS color), with a legend entry. n may be 0. */
void svgchart_line(struct svgchart *c, const double *x, const double *y, size_t n,
                   const char *color, const char *name);

/* A centred note in the plot area ("no data"). */
void svgchart_note(struct svgchart *c, const char *text);

void svgchart_end(struct svgchart *c);

/* Up to max ticks at "nice" steps (1, 2 or 5 times a power of ten) from lo to at least hi,
 * about `want` of them, labelled with as many decimals as the step needs and then unit ("ms",
 * or ""). Returns how many; sets *top to the last tick, a good upper end for the axis. */
size_t svgchart_nice_ticks(double lo, double hi, size_t want, const char *unit,
                           struct svgchart_tick *out, size_t max, double *top);

/* Write text escaped for XML and HTML (& < > " '). */
void svgchart_escape(FILE *out, const char *text);

#endif
