package io.flotilla.kv.service.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Reads a {@link ConfigFile} from YAML (JSON, being YAML, works too), refusing unknown and mistyped fields. */
public final class ConfigLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private ConfigLoader() {
    }

    /**
     * Reads a file.
     *
     * @param file the file
     * @return its content
     * @throws ConfigException naming the file, or the field and the problem
     */
    public static ConfigFile load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of("config file " + file + ": does not exist"));
        } catch (IOException e) {
            throw new ConfigException(List.of("config file " + file + ": cannot be read: " + e.getMessage()));
        }
        return parse(text, file.toString());
    }

    /**
     * Parses configuration text.
     *
     * @param text   YAML or JSON
     * @param source where it came from, for messages
     * @return the configuration
     * @throws ConfigException naming the field and the problem
     */
    public static ConfigFile parse(String text, String source) {
        if (text.isBlank()) {
            return new ConfigFile();
        }
        try {
            ConfigFile config = YAML.readValue(text, ConfigFile.class);
            return config == null ? new ConfigFile() : config;
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds().stream().map(Object::toString)
                    .collect(Collectors.toCollection(TreeSet::new)).toString();
            throw new ConfigException(List.of(path(e, e.getPropertyName()) + ": unknown field in " + source
                    + "; known fields here: " + known));
        } catch (JsonMappingException e) {
            throw new ConfigException(List.of(path(e, null) + ": " + firstLine(e.getOriginalMessage())
                    + " (in " + source + ")"));
        } catch (JsonProcessingException e) {
            throw new ConfigException(List.of(source + ": not valid YAML: " + firstLine(e.getOriginalMessage())
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr())));
        }
    }

    private static String path(JsonMappingException e, String last) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            String name = ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]";
            if (b.length() > 0 && ref.getFieldName() != null) {
                b.append('.');
            }
            b.append(name);
        }
        if (last != null && !b.toString().endsWith(last)) {
            b.append(b.length() == 0 ? "" : ".").append(last);
        }
        return b.length() == 0 ? "(top level)" : b.toString();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid value";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
