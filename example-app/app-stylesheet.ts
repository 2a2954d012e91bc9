/** The few rules the example app's own pages add to passport-toopher's stylesheet (served as /app.css). */
export const appStylesheet = `.toopher input[type="password"] {
  display: block;
  width: 100%;
  font: inherit;
  color: inherit;
  background: transparent;
  padding: 0.5rem 0.75rem;
  border: 1px solid var(--toopher-border);
  border-radius: 0.25rem;
}
.toopher ul { padding-left: 1.25rem; }
.toopher li { margin: 0.25rem 0; }
`;
