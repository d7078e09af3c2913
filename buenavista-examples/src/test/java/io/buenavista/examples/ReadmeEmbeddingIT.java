package io.buenavista.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedding example in the README compiles and runs as printed. */
class ReadmeEmbeddingIT {

    @Test
    void readmeExampleCompilesAndRuns(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        // The first java block that is a whole program (other blocks are fragments).
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        String source = null;
        Matcher cls = null;
        while (source == null && m.find()) {
            cls = Pattern.compile("public class (\\w+)").matcher(m.group(1));
            source = cls.find() ? m.group(1) : null;
        }
        assertTrue(source != null, "README has a java example with a public class");
        Path file = dir.resolve(cls.group(1) + ".java");
        Files.writeString(file, source);

        String classpath = System.getProperty("java.class.path");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int compiled = javac.run(null, null, null, "-classpath", classpath, "-d", dir.toString(), file.toString());
        assertEquals(0, compiled, "the README example compiles");

        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", dir + java.io.File.pathSeparator + classpath, cls.group(1))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        assertTrue(output.matches("(?s).*listening on port \\d+.*"), output);
    }
}
