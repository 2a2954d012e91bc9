/** The few rules the example app's own pages add to passport-toopher's stylesheet (served as /app.css). */
export const appStylesheet = `.toopher ul { padding-left: 1.25rem; }
.toopher li { margin: 0.25rem 0; }
`;
