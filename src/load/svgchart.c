/* svgchart.c - line charts as SVG; see svgchart.h. */
#include "svgchart.h"

#include <math.h>
#include <string.h>

#define MARGIN_LEFT 64
#define MARGIN_RIGHT 24
#define MARGIN_TOP 56
#define MARGIN_BOTTOM 44
#define LEGEND_Y 40
#define MARKERS_ALL_BELOW 40 /* series with fewer points get a marker at each */
#define MARKERS_MOST 24      /* longer ones about this many */

static double plot_w(const struct svgchart *c)
{
    return c->width - MARGIN_LEFT - MARGIN_RIGHT;
}

static double plot_h(const struct svgchart *c)
{
    return c->height - MARGIN_TOP - MARGIN_BOTTOM;
}

/* Data to pixels, clamped to the plot area. */
static double px(const struct svgchart *c, double x)
{
    double f = (x - c->x_lo) / (c->x_hi - c->x_lo);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return MARGIN_LEFT + f * plot_w(c);
}

static double py(const struct svgchart *c, double y)
{
    double f = (y - c->y_lo) / (c->y_hi - c->y_lo);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return MARGIN_TOP + (1 - f) * plot_h(c);
}

void svgchart_escape(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*p, out);
        }
    }
}

void svgchart_begin(struct svgchart *c, FILE *out, const char *id, int width, int height,
                    double x_lo, double x_hi, double y_lo, double y_hi, const char *title)
{
    *c = (struct svgchart){.out = out,
                           .width = width,
                           .height = height,
                           .x_lo = x_lo,
                           .x_hi = x_hi > x_lo ? x_hi : x_lo + 1,
                           .y_lo = y_lo,
                           .y_hi = y_hi > y_lo ? y_hi : y_lo + 1,
                           .legend_x = MARGIN_LEFT};
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" class=\"chart\" width=\"100%%\" "
            "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
            id, width, height);
    svgchart_escape(out, title);
    fprintf(out, "\">\n<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height);
    fprintf(out,
            "<rect class=\"plot\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" "
            "fill=\"" SVGCHART_PLOT_BG "\"/>\n",
            MARGIN_LEFT, MARGIN_TOP, plot_w(c), plot_h(c));
    fprintf(out, "<text class=\"title\" x=\"%d\" y=\"20\" font-size=\"15\" font-weight=\"bold\">",
            MARGIN_LEFT);
    svgchart_escape(out, title);
    fputs("</text>\n", out);
}

static void x_ticks(struct svgchart *c, const struct svgchart_tick *t, size_t n)
{
    double bottom = MARGIN_TOP + plot_h(c);
    for (size_t i = 0; i < n; i++) {
        double x = px(c, t[i].at);
        fprintf(c->out,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", x,
                MARGIN_TOP, x, bottom);
        fprintf(c->out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">", x,
                bottom + 16);
        svgchart_escape(c->out, t[i].label);
        fputs("</text>\n", c->out);
    }
}

static void y_ticks(struct svgchart *c, const struct svgchart_tick *t, size_t n)
{
    double right = MARGIN_LEFT + plot_w(c);
    for (size_t i = 0; i < n; i++) {
        double y = py(c, t[i].at);
        fprintf(c->out,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n",
                MARGIN_LEFT, y, right, y);
        fprintf(c->out, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">",
                MARGIN_LEFT - 6, y + 4);
        svgchart_escape(c->out, t[i].label);
        fputs("</text>\n", c->out);
    }
}

void svgchart_axes(struct svgchart *c, const struct svgchart_tick *xt, size_t nx,
                   const struct svgchart_tick *yt, size_t ny, const char *x_name,
                   const char *y_name)
{
    x_ticks(c, xt, nx);
    y_ticks(c, yt, ny);
    double bottom = MARGIN_TOP + plot_h(c);
    fprintf(c->out, "<path d=\"M%d %d V%.1f H%.1f\" fill=\"none\" stroke=\"#444\"/>\n", MARGIN_LEFT,
            MARGIN_TOP, bottom, MARGIN_LEFT + plot_w(c));
    fprintf(c->out, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">",
            MARGIN_LEFT + plot_w(c) / 2, c->height - 8);
    svgchart_escape(c->out, x_name);
    fprintf(c->out,
            "</text>\n<text x=\"14\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 14 %.1f)\">",
            MARGIN_TOP + plot_h(c) / 2, MARGIN_TOP + plot_h(c) / 2);
    svgchart_escape(c->out, y_name);
    fputs("</text>\n", c->out);
}

/* A marker of shape m at (x, y): filled, or hollow (white inside) for a partial point. */
static void marker(FILE *out, enum svgchart_marker m, double x, double y, const char *color,
                   bool hollow)
{
    char paint[64];
    snprintf(paint, sizeof(paint), "fill=\"%s\" stroke=\"%s\"", hollow ? "#ffffff" : color, color);
    double r = hollow ? 4.5 : 3.5;
    switch (m) {
    case SVGCHART_SQUARE:
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" %s/>\n", x - r,
                y - r, 2 * r, 2 * r, paint);
        break;
    case SVGCHART_TRIANGLE:
        fprintf(out, "<path d=\"M%.1f %.1f L%.1f %.1f L%.1f %.1f Z\" %s/>\n", x, y - r - 1,
                x + r + 0.5, y + r, x - r - 0.5, y + r, paint);
        break;
    case SVGCHART_DIAMOND:
        fprintf(out, "<path d=\"M%.1f %.1f L%.1f %.1f L%.1f %.1f L%.1f %.1f Z\" %s/>\n", x,
                y - r - 1, x + r + 1, y, x, y + r + 1, x - r - 1, y, paint);
        break;
    case SVGCHART_CIRCLE:
    case SVGCHART_NO_MARKER:
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" %s/>\n", x, y, r, paint);
        break;
    }
}

static double stroke_width(const struct svgchart_series *s)
{
    return s->width > 0 ? s->width : 2;
}

static void stroke(FILE *out, const struct svgchart_series *s)
{
    fprintf(out, "fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"", s->color, stroke_width(s));
    if (s->dash)
        fprintf(out, " stroke-dasharray=\"%s\"", s->dash);
}

/* The legend entry: a sample of the line with its marker, then the name; in a row above the
 * plot. */
static void legend(struct svgchart *c, const struct svgchart_series *s)
{
    double x = c->legend_x, y = LEGEND_Y;
    fprintf(c->out, "<g class=\"legend\"><path d=\"M%.1f %.1f h26\" ", x, y - 4);
    stroke(c->out, s);
    fputs("/>\n", c->out);
    if (s->marker != SVGCHART_NO_MARKER)
        marker(c->out, s->marker, x + 13, y - 4, s->color, false);
    fprintf(c->out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">", x + 32, y);
    svgchart_escape(c->out, s->name);
    fputs("</text></g>\n", c->out);
    c->legend_x += 32 + 6.6 * (double)strlen(s->name) + 18;
}

/* Whether point i of n gets a marker: all when few, else every k-th, staggered by series. */
static bool marked(const struct svgchart *c, size_t i, size_t n)
{
    if (n < MARKERS_ALL_BELOW)
        return true;
    size_t step = n / MARKERS_MOST, shift = (size_t)c->series * (step / 3 + 1);
    return (i + shift) % step == 0;
}

void svgchart_line(struct svgchart *c, const struct svgchart_series *s, const double *x,
                   const double *y, const bool *partial, size_t n)
{
    legend(c, s);
    fprintf(c->out, "<g class=\"series\" data-series=\"%s\" aria-label=\"", s->id);
    svgchart_escape(c->out, s->name);
    fputs("\">\n<polyline ", c->out);
    stroke(c->out, s);
    fputs(" stroke-linejoin=\"round\" points=\"", c->out);
    const char *sep = "";
    for (size_t i = 0; i < n; i++) {
        if (partial && partial[i])
            continue;
        fprintf(c->out, "%s%.1f,%.1f", sep, px(c, x[i]), py(c, y[i]));
        sep = " ";
    }
    fputs("\"/>\n", c->out);
    for (size_t i = 0; i < n; i++) {
        if (partial && partial[i]) {
            size_t j = i > 0 ? i - 1 : i + 1;
            if (j < n)
                fprintf(c->out,
                        "<line class=\"partial\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        "stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>\n",
                        px(c, x[j]), py(c, y[j]), px(c, x[i]), py(c, y[i]), s->color);
            marker(c->out, s->marker, px(c, x[i]), py(c, y[i]), s->color, true);
        } else if (s->marker != SVGCHART_NO_MARKER && marked(c, i, n)) {
            marker(c->out, s->marker, px(c, x[i]), py(c, y[i]), s->color, false);
        }
    }
    fputs("</g>\n", c->out);
    c->series++;
}

void svgchart_note(struct svgchart *c, const char *text)
{
    fprintf(c->out,
            "<text class=\"note\" x=\"%.1f\" y=\"%.1f\" font-size=\"14\" text-anchor=\"middle\" "
            "fill=\"#666\">",
            MARGIN_LEFT + plot_w(c) / 2, MARGIN_TOP + plot_h(c) / 2);
    svgchart_escape(c->out, text);
    fputs("</text>\n", c->out);
}

void svgchart_end(struct svgchart *c)
{
    fputs("</svg>\n", c->out);
}

/* A step of 1, 2 or 5 times a power of ten near span / want. */
static double nice_step(double span, size_t want)
{
    double raw = span / (double)(want ? want : 1);
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

size_t svgchart_nice_ticks(double lo, double hi, size_t want, const char *unit,
                           struct svgchart_tick *out, size_t max, double *top)
{
    double span = hi > lo ? hi - lo : 1;
    double step = nice_step(span, want);
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    size_t n = 0;
    while (n < max) {
        double v = lo + step * (double)n;
        out[n].at = v;
        snprintf(out[n].label, sizeof(out[n].label), "%.*f%s", decimals, v, unit);
        n++;
        if (v >= hi - step * 1e-9)
            break;
    }
    *top = n ? out[n - 1].at : hi;
    return n;
}

size_t svgchart_log_ticks(double lo, double hi, const char *unit, struct svgchart_tick *out,
                          size_t max, double *bottom, double *top)
{
    static const double steps[3] = {1, 2, 5};
    int d_lo = (int)floor(log10(lo)), d_hi = (int)ceil(log10(hi));
    int per = d_hi - d_lo > 3 ? 1 : 3;
    size_t n = 0;
    bool done = false;
    for (int j = 0; !done && n < max && j <= (d_hi - d_lo + 1) * per; j++) {
        double v = steps[j % per] * pow(10, d_lo + j / per);
        if (n > 0 && v <= lo * (1 + 1e-9))
            n = 0; /* the ticks so far are all below this one, which is still below lo */
        out[n].at = log10(v);
        snprintf(out[n].label, sizeof(out[n].label), "%g%s", v, unit);
        n++;
        done = v >= hi * (1 - 1e-9);
    }
    *bottom = n ? out[0].at : log10(lo);
    *top = n ? out[n - 1].at : log10(hi);
    return n;
}
