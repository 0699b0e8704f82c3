/* svgchart.c - line charts as SVG; see svgchart.h. */
#include "svgchart.h"

#include <math.h>

#define MARGIN_LEFT 64
#define MARGIN_RIGHT 40
#define MARGIN_TOP 36
#define MARGIN_BOTTOM 44
#define MARKERS_BELOW 80 /* series with fewer points get a dot at each */

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

void svgchart_begin(struct svgchart *c, FILE *out, int width, int height, double x_lo, double x_hi,
                    double y_lo, double y_hi, const char *title)
{
    *c = (struct svgchart){.out = out,
                           .width = width,
                           .height = height,
                           .x_lo = x_lo,
                           .x_hi = x_hi > x_lo ? x_hi : x_lo + 1,
                           .y_lo = y_lo,
                           .y_hi = y_hi > y_lo ? y_hi : y_lo + 1};
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\">\n",
            width, height, width, height);
    fprintf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height);
    fprintf(out, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">", MARGIN_LEFT);
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

static void legend(struct svgchart *c, const char *color, const char *name)
{
    double x = c->width - MARGIN_RIGHT - 150, y = 14 + 14 * c->series;
    fprintf(c->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"4\" fill=\"%s\"/>", x, y - 4,
            color);
    fprintf(c->out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", x + 20, y);
    svgchart_escape(c->out, name);
    fputs("</text>\n", c->out);
}

void svgchart_line(struct svgchart *c, const double *x, const double *y, size_t n,
                   const char *color, const char *name)
{
    legend(c, color, name);
    c->series++;
    fprintf(c->out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color);
    for (size_t i = 0; i < n; i++)
        fprintf(c->out, "%s%.1f,%.1f", i ? " " : "", px(c, x[i]), py(c, y[i]));
    fputs("\"/>\n", c->out);
    for (size_t i = 0; n < MARKERS_BELOW && i < n; i++)
        fprintf(c->out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n", px(c, x[i]),
                py(c, y[i]), color);
}

void svgchart_note(struct svgchart *c, const char *text)
{
    fprintf(c->out,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" text-anchor=\"middle\" "
            "fill=\"#888\">",
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
